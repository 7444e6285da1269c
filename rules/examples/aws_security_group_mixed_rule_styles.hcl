# The rest of the example in aws_security_group_mixed_rule_styles.md.

resource "aws_vpc" "main" {
  cidr_block = "10.93.0.0/16"
}

resource "aws_subnet" "public_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.93.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "public_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.93.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "alb" {
  name   = "orders-alb"
  vpc_id = aws_vpc.main.id
}

resource "aws_lb" "orders" {
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
  subnets            = [aws_subnet.public_a.id, aws_subnet.public_b.id]
}

resource "aws_security_group" "prometheus" {
  name   = "prometheus"
  vpc_id = aws_vpc.main.id
}

resource "aws_instance" "prometheus" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.medium"
  subnet_id              = aws_subnet.public_a.id
  vpc_security_group_ids = [aws_security_group.prometheus.id]
}
