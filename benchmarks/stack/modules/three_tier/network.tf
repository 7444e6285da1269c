# One three-tier stack: a public ALB in front of an EC2 web tier (ASG) and an ECS API tier,
# with PostgreSQL and Redis behind them. Security group ids come from a child module.

variable "name" { type = string }

locals {
  app_port = 8080
}

resource "aws_vpc" "this" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = var.name }
}

resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
  tags              = { Name = "${var.name}-public-${count.index}" }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index + 10)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
  tags              = { Name = "${var.name}-private-${count.index}" }
}

module "security" {
  source   = "../security"
  name     = var.name
  vpc_id   = aws_vpc.this.id
  app_port = local.app_port
}
