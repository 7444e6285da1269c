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
