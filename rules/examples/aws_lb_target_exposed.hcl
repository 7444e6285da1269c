# The rest of the example in aws_lb_target_exposed.md.

resource "aws_vpc" "main" {
  cidr_block = "10.92.0.0/16"
}

resource "aws_subnet" "public_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.92.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "public_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.92.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_lb_target_group" "docs" {
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

resource "aws_wafv2_web_acl" "docs" {
  name  = "docs"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  visibility_config {
    cloudwatch_metrics_enabled = false
    metric_name                = "docs"
    sampled_requests_enabled   = false
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.docs.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = "arn:aws:acm:us-east-1:123456789012:certificate/example"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.docs.arn
  }
}
