"""Who the configuration shows calling a service through an interface endpoint, one line per
case: a Fargate task that must pull or log to start, an EKS node, a tier handed the endpoint;
private DNS and the VPC decide whether the call goes there at all."""

import pytest

BASE = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "other" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_security_group" "tier" {
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "endpoint" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}

resource "aws_vpc_endpoint" "e" {
  vpc_id              = %(vpc)s
  service_name        = "com.amazonaws.us-east-1.%(service)s"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = %(dns)s
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoint.id]
}
"""

FARGATE = """
resource "aws_ecs_task_definition" "t" {
  family                   = "t"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  container_definitions = jsonencode([{
    name  = "app"
    image = "%(image)s"
    logConfiguration = { logDriver = "awslogs", options = {} }
  }])
}

resource "aws_ecs_service" "s" {
  name             = "s"
  task_definition  = aws_ecs_task_definition.t.arn
  %(launch)s
  network_configuration {
    subnets         = [aws_subnet.a.id]
    security_groups = [aws_security_group.tier.id]
  }
}
"""
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
ON_FARGATE = 'launch_type = "FARGATE"'

NODES = """
resource "aws_launch_template" "nodes" {
  vpc_security_group_ids = [aws_security_group.tier.id]
}

resource "aws_eks_node_group" "n" {
  cluster_name    = "c"
  node_group_name = "n"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = [aws_subnet.a.id]
  launch_template {
    id      = aws_launch_template.nodes.id
    version = "1"
  }
  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}
"""

HANDED = """
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "f.zip"
  vpc_config {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = [aws_security_group.tier.id]
  }
  environment {
    variables = { ENDPOINT = "https://${aws_vpc_endpoint.e.dns_entry[0].dns_name}" }
  }
}
"""

MAIN = {"vpc": "aws_vpc.main.id", "dns": "true"}
CASES = [
    (FARGATE % {"image": ECR, "launch": ON_FARGATE}, {**MAIN, "service": "ecr.dkr"}, ["aws_ecs_service.s"]),
    (FARGATE % {"image": ECR, "launch": ON_FARGATE}, {**MAIN, "service": "ecr.api"}, ["aws_ecs_service.s"]),
    (FARGATE % {"image": ECR, "launch": ON_FARGATE}, {**MAIN, "service": "logs"}, ["aws_ecs_service.s"]),
    # an image from elsewhere needs no ECR
    (FARGATE % {"image": "nginx:1", "launch": ON_FARGATE}, {**MAIN, "service": "ecr.dkr"}, []),
    # without private DNS, the task calls ECR by its public name
    (FARGATE % {"image": ECR, "launch": ON_FARGATE}, {**MAIN, "service": "ecr.dkr", "dns": "false"}, []),
    # another VPC's endpoint
    (FARGATE % {"image": ECR, "launch": ON_FARGATE}, {**MAIN, "service": "ecr.dkr", "vpc": "aws_vpc.other.id"}, []),
    # EC2 launch type: the container instance pulls, through its own interface
    (FARGATE % {"image": ECR, "launch": 'launch_type = "EC2"'}, {**MAIN, "service": "ecr.dkr"}, []),
    # Fargate before 1.4.0 pulled through an interface of AWS's
    (FARGATE % {"image": ECR, "launch": ON_FARGATE + '\n  platform_version = "1.3.0"'}, {**MAIN, "service": "ecr.dkr"}, []),
    (NODES, {**MAIN, "service": "ecr.dkr"}, ["aws_eks_node_group.n"]),
    (NODES, {**MAIN, "service": "ec2"}, ["aws_eks_node_group.n"]),
    (NODES, {**MAIN, "service": "sqs"}, []),
    # handed the endpoint: a caller with private DNS off too
    (HANDED, {**MAIN, "service": "sqs", "dns": "false"}, ["aws_lambda_function.f"]),
    # handed its ARN, which is for API calls, not a place to connect to
    (HANDED.replace('"https://${aws_vpc_endpoint.e.dns_entry[0].dns_name}"', "aws_vpc_endpoint.e.arn"),
     {**MAIN, "service": "sqs", "dns": "false"}, []),
    # another region's image does not come through this region's endpoint
    (FARGATE % {"image": ECR.replace("us-east-1", "eu-west-1"), "launch": ON_FARGATE}, {**MAIN, "service": "ecr.dkr"}, []),
]


@pytest.mark.parametrize("tier, endpoint, callers", CASES)
def test_callers(tier, endpoint, callers, tflint_sg, tmp_path):
    (tmp_path / "main.tf").write_text(BASE % endpoint + tier)
    run = tflint_sg("graph", str(tmp_path))
    assert run.code == 0, run.stderr
    (graph,) = run.json()["inputs"]
    assert sorted(flow["from"] for flow in graph["flows"]
                  if flow["to"] == "aws_vpc_endpoint.e" and flow["intended"]) == callers


def test_service_names_from_data_sources_read_as_terraform_reads_them(tflint_sg, tmp_path):
    """The vpc-endpoints module's way: a `for_each` data source per service, its service_name
    from `service` and the provider's region; and `data.aws_region` in a hand-built name."""
    (tmp_path / "main.tf").write_text((BASE % {**MAIN, "service": "unused"}).replace(
        'resource "aws_vpc_endpoint" "e"', 'resource "aws_vpc_endpoint" "unused"') + """
provider "aws" {
  region = local.region
}

locals {
  region    = "eu-west-1"
  endpoints = { ecr_dkr = { service = "ecr.dkr" }, logs = { service = "logs" } }
}

data "aws_region" "current" {}

data "aws_vpc_endpoint_service" "this" {
  for_each = local.endpoints
  service  = try(each.value.service, null)
}

resource "aws_vpc_endpoint" "module_style" {
  for_each            = local.endpoints
  vpc_id              = aws_vpc.main.id
  service_name        = data.aws_vpc_endpoint_service.this[each.key].service_name
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoint.id]
}

resource "aws_vpc_endpoint" "by_hand" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.ecr.api"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoint.id]
}
""" + FARGATE % {"image": ECR.replace("us-east-1", "eu-west-1"), "launch": ON_FARGATE})
    run = tflint_sg("graph", str(tmp_path))
    assert run.code == 0, run.stderr
    (graph,) = run.json()["inputs"]
    assert sorted(flow["to"] for flow in graph["flows"] if flow["intended"]) == [
        "aws_vpc_endpoint.by_hand", 'aws_vpc_endpoint.module_style["ecr_dkr"]', 'aws_vpc_endpoint.module_style["logs"]']
    ports = {e["address"]: e["port"] for e in graph["endpoints"]}
    assert ports["aws_vpc_endpoint.by_hand"] == ports['aws_vpc_endpoint.module_style["logs"]'] == 443


def test_a_data_source_read_through_another_provider_is_not_the_default_providers(tflint_sg, tmp_path):
    (tmp_path / "main.tf").write_text((BASE % {**MAIN, "service": "unused"}).replace(
        'resource "aws_vpc_endpoint" "e"', 'resource "aws_vpc_endpoint" "unused"') + """
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

data "aws_region" "west" {
  provider = aws.west
}

resource "aws_vpc_endpoint" "by_hand" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${data.aws_region.west.name}.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoint.id]
}
""" + FARGATE % {"image": ECR, "launch": ON_FARGATE})
    (graph,) = tflint_sg("graph", str(tmp_path)).json()["inputs"]
    ports = {e["address"]: e["port"] for e in graph["endpoints"]}
    assert ports["aws_vpc_endpoint.by_hand"] is None  # its service name is not known


@pytest.mark.parametrize("service, port", [("ecr.dkr", 443), ("cassandra", None), ("email-smtp", None),
                                           ("transfer.server", None)])
def test_the_port_an_endpoint_takes_calls_on(service, port, tflint_sg, tmp_path):
    """443 for AWS services' APIs; Keyspaces, SES SMTP and Transfer servers take their own."""
    (tmp_path / "main.tf").write_text(BASE % {**MAIN, "service": service})
    (graph,) = tflint_sg("graph", str(tmp_path)).json()["inputs"]
    assert {e["address"]: e["port"] for e in graph["endpoints"]}["aws_vpc_endpoint.e"] == port


@pytest.mark.parametrize("cluster, callers", [
    ("", ["aws_eks_node_group.n"]),
    ("bootstrap_self_managed_addons = false", []),
    ('bootstrap_self_managed_addons = false\n}\nresource "aws_eks_addon" "cni" {\n  cluster_name = aws_eks_cluster.c.name\n'
     '  addon_name   = "vpc-cni"', ["aws_eks_node_group.n"]),
])
def test_nodes_call_ec2_for_the_vpc_cni_the_cluster_runs(cluster, callers, tflint_sg, tmp_path):
    nodes = NODES.replace('cluster_name    = "c"', "cluster_name    = aws_eks_cluster.c.name")
    (tmp_path / "main.tf").write_text(BASE % {**MAIN, "service": "ec2"} + nodes + f"""
resource "aws_eks_cluster" "c" {{
  name     = "c"
  role_arn = "arn:aws:iam::123456789012:role/c"
  vpc_config {{
    subnet_ids = [aws_subnet.a.id]
  }}
  {cluster}
}}
""")
    (graph,) = tflint_sg("graph", str(tmp_path)).json()["inputs"]
    assert [f["from"] for f in graph["flows"] if f["to"] == "aws_vpc_endpoint.e" and f["intended"]] == callers
