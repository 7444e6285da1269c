"""Every address in a VPC lies in its CIDR block: an endpoint whose subnets are not known is
still judged by the rules that cover the whole block, or none of it."""

import textwrap

import pytest

CONFIG = textwrap.dedent('''
    variable "subnet_id" {
      type = string
    }
    resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
    resource "aws_subnet" "a" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.0.1.0/24"
    }
    resource "aws_security_group" "lb" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 443
        to_port     = 443
        protocol    = "tcp"
        cidr_blocks = ["0.0.0.0/0"]
      }
      egress {
        from_port   = 8080
        to_port     = 8080
        protocol    = "tcp"
        cidr_blocks = [EGRESS_CIDR]
      }
    }
    resource "aws_security_group" "app" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 8080
        to_port         = 8080
        protocol        = "tcp"
        security_groups = [aws_security_group.lb.id]
      }
    }
    resource "aws_lb" "web" {
      load_balancer_type = "application"
      security_groups    = [aws_security_group.lb.id]
      subnets            = [aws_subnet.a.id]
    }
    resource "aws_lb_target_group" "app" {
      port     = 8080
      protocol = "HTTP"
      vpc_id   = aws_vpc.main.id
    }
    resource "aws_lb_listener" "https" {
      load_balancer_arn = aws_lb.web.arn
      port              = 443
      protocol          = "HTTPS"
      default_action {
        type             = "forward"
        target_group_arn = aws_lb_target_group.app.arn
      }
    }
    resource "aws_instance" "app" {
      ami                    = "ami-0123456789abcdef0"
      subnet_id              = var.subnet_id    # not known: the instance's subnet is not either
      vpc_security_group_ids = [aws_security_group.app.id]
    }
    resource "aws_lb_target_group_attachment" "app" {
      target_group_arn = aws_lb_target_group.app.arn
      target_id        = aws_instance.app.id
    }
''')


def _traffic(tflint_sg, tmp_path, egress_cidr: str, extra: str = ""):
    (tmp_path / "main.tf").write_text(CONFIG.replace("EGRESS_CIDR", f'"{egress_cidr}"') + extra)
    graph = tflint_sg("graph", str(tmp_path))
    assert graph.code == 0, graph.stderr
    (flow,) = [f for f in graph.json()["inputs"][0]["flows"] if f["kind"] == "traffic"]
    check = tflint_sg("--format", "json", str(tmp_path))
    return flow["status"], [f["rule"] for f in check.json()["findings"]]


@pytest.mark.parametrize("egress_cidr, status, findings", [
    ("10.0.0.0/16", "allowed", []),  # the VPC's block: whichever subnet, the target is inside
    ("10.0.0.0/8", "allowed", []),
    ("192.168.0.0/16", "blocked", ["aws_lb_target_traffic_blocked"]),  # no address of the VPC
    ("10.0.1.0/24", "undecided", []),  # one subnet of it: it depends on where the target is
])
def test_a_target_in_an_unknown_subnet_is_somewhere_in_its_vpc(tflint_sg, tmp_path, egress_cidr, status, findings):
    assert _traffic(tflint_sg, tmp_path, egress_cidr) == (status, findings)


def test_a_secondary_block_leaves_it_undecided(tflint_sg, tmp_path):
    secondary = ('resource "aws_vpc_ipv4_cidr_block_association" "more" {\n'
                 '  vpc_id     = aws_vpc.main.id\n  cidr_block = "172.20.0.0/16"\n}\n')
    assert _traffic(tflint_sg, tmp_path, "10.0.0.0/16", secondary) == ("undecided", [])
    assert _traffic(tflint_sg, tmp_path, "192.168.0.0/16", secondary) == ("undecided", [])
