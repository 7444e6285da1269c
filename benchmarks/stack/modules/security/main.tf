# The stack's security groups, one per tier, written in all four rule styles Terraform users
# mix: inline blocks, dynamic blocks, aws_security_group_rule and the per-rule v5 resources.
variable "name" { type = string }
variable "vpc_id" { type = string }
variable "app_port" { type = number }

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Public HTTP and HTTPS"
  vpc_id      = var.vpc_id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The web tier admits HTTPS only, yet the load balancer forwards HTTP to it: the mismatch
# every stack carries, so each run reports findings and writes them.
resource "aws_security_group" "web" {
  name        = "${var.name}-web"
  description = "Web instances"
  vpc_id      = var.vpc_id
}

resource "aws_security_group_rule" "web_from_alb" {
  type                     = "ingress"
  security_group_id        = aws_security_group.web.id
  source_security_group_id = aws_security_group.alb.id
  from_port                = 443
  to_port                  = 443
  protocol                 = "tcp"
}

resource "aws_security_group_rule" "web_out" {
  type              = "egress"
  security_group_id = aws_security_group.web.id
  cidr_blocks       = ["0.0.0.0/0"]
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
}

resource "aws_security_group" "api" {
  name        = "${var.name}-api"
  description = "API tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.api.id
  referenced_security_group_id = aws_security_group.alb.id
  from_port                    = var.app_port
  to_port                      = var.app_port
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "api_out" {
  security_group_id = aws_security_group.api.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

locals {
  data_clients = {
    web = aws_security_group.web.id
    api = aws_security_group.api.id
  }
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL from the app tiers"
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = local.data_clients
    content {
      description     = "PostgreSQL from ${ingress.key}"
      from_port       = 5432
      to_port         = 5432
      protocol        = "tcp"
      security_groups = [ingress.value]
    }
  }
}

resource "aws_security_group" "cache" {
  name        = "${var.name}-cache"
  description = "Redis from the API"
  vpc_id      = var.vpc_id

  ingress {
    from_port       = 6379
    to_port         = 6379
    protocol        = "tcp"
    security_groups = [aws_security_group.api.id]
  }
}

output "alb" { value = aws_security_group.alb.id }
output "web" { value = aws_security_group.web.id }
output "api" { value = aws_security_group.api.id }
output "db" { value = aws_security_group.db.id }
output "cache" { value = aws_security_group.cache.id }
