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
