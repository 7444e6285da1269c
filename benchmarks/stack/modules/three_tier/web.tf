resource "aws_launch_template" "web" {
  name_prefix            = "${var.name}-web-"
  image_id               = "ami-0abcdef1234567890"
  instance_type          = "t3.small"
  vpc_security_group_ids = [module.security.web]
}

resource "aws_autoscaling_group" "web" {
  name                = "${var.name}-web"
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = aws_subnet.private[*].id
  target_group_arns   = [aws_lb_target_group.web.arn]

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
}
