"""The ways registry modules (terraform-aws-modules and the like) write what decides a flow,
each in a small module of our own: the flow is decided, as a careful reader of the module
decides it."""

import textwrap

import pytest

LOAD_BALANCER = textwrap.dedent('''
    resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
    resource "aws_subnet" "public" {
      count      = 2
      vpc_id     = aws_vpc.main.id
      cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index + 100)
    }
    resource "aws_security_group" "lb" {
      vpc_id = aws_vpc.main.id
      egress {
        from_port   = 0
        to_port     = 0
        protocol    = "-1"
        cidr_blocks = ["10.0.0.0/16"]
      }
    }
    resource "aws_lb" "web" {
      load_balancer_type = "application"
      security_groups    = [aws_security_group.lb.id]
      subnets            = aws_subnet.public[*].id
    }
    resource "aws_lb_target_group" "app" {
      port     = 80
      protocol = "HTTP"
      vpc_id   = aws_vpc.main.id
    }
    resource "aws_lb_listener" "http" {
      load_balancer_arn = aws_lb.web.arn
      port              = 80
      protocol          = "HTTP"
      default_action {
        type             = "forward"
        target_group_arn = aws_lb_target_group.app.arn
      }
    }
''')

APP_GROUP = textwrap.dedent('''
    resource "aws_security_group" "app" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = PORT
        to_port         = PORT
        protocol        = "tcp"
        security_groups = [aws_security_group.lb.id]
      }
    }
''')


def _flows(tflint_sg, root):
    graph = tflint_sg("graph", str(root))
    assert graph.code == 0, graph.stderr
    return sorted((f["to"], f["port"], f["status"]) for f in graph.json()["inputs"][0]["flows"]
                  if f["kind"] == "traffic")


def _write(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


# An Auto Scaling group module names its group from a value the tool cannot read (here a
# variable without a default) and attaches the target group by that name: the attachment still
# names that group, whatever the name turns out to be.
ASG_MODULE = {
    "modules/asg/main.tf": '''
        variable "suffix" { type = string }
        variable "target_group_arn" { type = string }
        variable "security_groups" { type = list(string) }
        variable "subnets" { type = list(string) }
        variable "network_interfaces" {
          type    = list(any)
          default = null
        }
        resource "aws_launch_template" "this" {
          name_prefix            = "app-"
          vpc_security_group_ids = var.network_interfaces != null ? [] : var.security_groups
          dynamic "network_interfaces" {
            for_each = var.network_interfaces != null ? var.network_interfaces : []
            content {
              device_index    = network_interfaces.value.device_index
              security_groups = compact(concat(network_interfaces.value.security_groups, var.security_groups))
            }
          }
        }
        resource "aws_autoscaling_group" "this" {
          count               = 0
          name                = "unused"
          min_size            = 1
          max_size            = 1
          vpc_zone_identifier = var.subnets
        }
        resource "aws_autoscaling_group" "named" {
          name                = "app-${var.suffix}"
          min_size            = 1
          max_size            = 2
          vpc_zone_identifier = var.subnets
          launch_template {
            id      = aws_launch_template.this.id
            version = "$Latest"
          }
        }
        resource "aws_autoscaling_traffic_source_attachment" "this" {
          autoscaling_group_name = try(aws_autoscaling_group.this[0].name, aws_autoscaling_group.named.name)
          traffic_source {
            identifier = var.target_group_arn
            type       = "elbv2"
          }
        }
    ''',
}

ASG_ROOT = '''
    resource "aws_subnet" "private" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.0.1.0/24"
    }
    module "asg" {
      source           = "./modules/asg"
      target_group_arn = aws_lb_target_group.app.arn
      security_groups  = []
      subnets          = [aws_subnet.private.id]
      network_interfaces = [{ device_index = 0, security_groups = [aws_security_group.app.id] }]
    }
'''


@pytest.mark.parametrize("port, status", [("80", "allowed"), ("443", "blocked")])
def test_a_group_attached_by_a_name_not_known_until_apply(tflint_sg, tmp_path, port, status):
    _write(tmp_path, {**ASG_MODULE, "main.tf": LOAD_BALANCER + APP_GROUP.replace("PORT", port) + ASG_ROOT})
    assert _flows(tflint_sg, tmp_path) == [("module.asg.aws_autoscaling_group.named", 80, status)]


# A VPC module makes one subnet per zone of `slice(<zones read at plan time>, 0, 3)`: three,
# whatever the zones are called; and an instance given no group gets the VPC's default group,
# which the module manages with no rules unless told otherwise.
VPC_MODULE = {
    "modules/vpc/main.tf": '''
        variable "azs" { type = list(string) }
        variable "private_subnets" { type = list(string) }
        variable "manage_default_security_group" { default = true }
        variable "default_security_group_ingress" {
          type    = list(map(string))
          default = []
        }
        resource "aws_vpc" "this" { cidr_block = "10.1.0.0/16" }
        resource "aws_subnet" "private" {
          count             = length(var.private_subnets) > 0 ? length(var.private_subnets) : 0
          vpc_id            = aws_vpc.this.id
          cidr_block        = var.private_subnets[count.index]
          availability_zone = element(var.azs, count.index)
        }
        resource "aws_default_security_group" "this" {
          count  = var.manage_default_security_group ? 1 : 0
          vpc_id = aws_vpc.this.id
          dynamic "ingress" {
            for_each = var.default_security_group_ingress
            content {
              from_port   = lookup(ingress.value, "from_port", 0)
              to_port     = lookup(ingress.value, "to_port", 0)
              protocol    = lookup(ingress.value, "protocol", "-1")
              cidr_blocks = compact(split(",", lookup(ingress.value, "cidr_blocks", "")))
            }
          }
        }
        output "private_subnets" { value = aws_subnet.private[*].id }
    ''',
}

VPC_ROOT = '''
    data "aws_availability_zones" "available" {}
    locals {
      azs = slice(data.aws_availability_zones.available.names, 0, 3)
    }
    module "vpc" {
      source          = "./modules/vpc"
      azs             = local.azs
      private_subnets = [for k, v in local.azs : cidrsubnet("10.1.0.0/16", 4, k)]
      DEFAULT_INGRESS
    }
    resource "aws_instance" "web" {
      ami       = "ami-0123456789abcdef0"
      subnet_id = element(module.vpc.private_subnets, 0)
    }
    resource "aws_lb_target_group_attachment" "web" {
      target_group_arn = aws_lb_target_group.app.arn
      target_id        = aws_instance.web.id
    }
'''


@pytest.mark.parametrize("default_ingress, status", [
    ("", "blocked"),  # the managed default group admits nothing
    ('default_security_group_ingress = [{ from_port = 80, to_port = 80, protocol = "tcp", '
     'cidr_blocks = "10.0.0.0/16" }]', "allowed"),
])
def test_subnets_per_zone_and_the_managed_default_group(tflint_sg, tmp_path, default_ingress, status):
    root = LOAD_BALANCER.replace('"10.0.0.0/16"]', '"10.0.0.0/8"]') + VPC_ROOT.replace("DEFAULT_INGRESS",
                                                                                      default_ingress)
    _write(tmp_path, {**VPC_MODULE, "main.tf": root})
    assert _flows(tflint_sg, tmp_path) == [("aws_instance.web", 80, status)]


# An ECS service module decides its network configuration from `try(var.x.type, null) ==
# "EXTERNAL"` with the variable left null, and a rule's peer from `id == "self" ? ...`.
ECS_MODULE = {
    "modules/service/main.tf": '''
        variable "deployment_controller" {
          type    = object({ type = optional(string) })
          default = null
        }
        variable "target_group_arn" { type = string }
        variable "subnets" { type = list(string) }
        variable "vpc_id" { type = string }
        variable "ingress_rules" { type = map(any) }
        locals {
          is_external = try(var.deployment_controller.type, null) == "EXTERNAL"
        }
        resource "aws_security_group" "this" { vpc_id = var.vpc_id }
        resource "aws_vpc_security_group_ingress_rule" "this" {
          for_each                     = var.ingress_rules
          security_group_id            = aws_security_group.this.id
          ip_protocol                  = "tcp"
          from_port                    = each.value.port
          to_port                      = each.value.port
          referenced_security_group_id = each.value.source == "self" ? aws_security_group.this.id : each.value.source
        }
        resource "aws_ecs_task_definition" "this" {
          family                   = "app"
          network_mode             = "awsvpc"
          requires_compatibilities = ["FARGATE"]
          cpu                      = 256
          memory                   = 512
          container_definitions    = jsonencode([{ name = "app", image = "app", portMappings = [{ containerPort = 80 }] }])
        }
        resource "aws_ecs_service" "this" {
          name            = "app"
          task_definition = aws_ecs_task_definition.this.arn
          launch_type     = local.is_external ? null : "FARGATE"
          dynamic "network_configuration" {
            for_each = local.is_external ? [] : [1]
            content {
              subnets         = var.subnets
              security_groups = [aws_security_group.this.id]
            }
          }
          load_balancer {
            target_group_arn = var.target_group_arn
            container_name   = "app"
            container_port   = 80
          }
        }
    ''',
}

ECS_ROOT = '''
    resource "aws_subnet" "private" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.0.1.0/24"
    }
    module "service" {
      source           = "./modules/service"
      vpc_id           = aws_vpc.main.id
      subnets          = [aws_subnet.private.id]
      target_group_arn = aws_lb_target_group.app.arn
      ingress_rules    = { lb = { port = PORT, source = aws_security_group.lb.id } }
    }
'''


@pytest.mark.parametrize("port, status", [("80", "allowed"), ("8080", "blocked")])
def test_a_service_module_with_a_null_object_and_a_self_test(tflint_sg, tmp_path, port, status):
    _write(tmp_path, {**ECS_MODULE, "main.tf": LOAD_BALANCER + ECS_ROOT.replace("PORT", port)})
    assert _flows(tflint_sg, tmp_path) == [("module.service.aws_ecs_service.this", 80, status)]


# A target whose target group the tool cannot read may belong to this load balancer: it is a
# check not decided, counted and named, never a flow that silently is not there.
UNLINKED_ROOT = '''
    variable "target_group_arn" { type = string }   # no default, no value
    resource "aws_subnet" "private" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.0.1.0/24"
    }
    resource "aws_autoscaling_group" "app" {
      min_size            = 1
      max_size            = 2
      vpc_zone_identifier = [aws_subnet.private.id]
      target_group_arns   = [var.target_group_arn]
    }
    # Registered by attachments, as the autoscaling module leaves it: not a gap of its own.
    resource "aws_autoscaling_group" "attached_elsewhere" {
      min_size            = 1
      max_size            = 2
      vpc_zone_identifier = [aws_subnet.private.id]
      lifecycle {
        ignore_changes = [target_group_arns]
      }
    }
'''


def test_a_target_whose_group_is_not_known_is_a_check_not_decided(tflint_sg, tmp_path):
    _write(tmp_path, {"main.tf": LOAD_BALANCER + UNLINKED_ROOT})
    assert _flows(tflint_sg, tmp_path) == []
    (entry,) = tflint_sg("--format", "json", str(tmp_path)).json()["inputs"]
    assert entry["undecided"] == 1
    assert entry["load_balancer_flows"] == {"decided": 0, "undecided": 1, "allowed": 0, "blocked": 0}
    assert any(note.startswith("aws_autoscaling_group.app: not decided (load balancer rules): its target group "
                               "is not known") for note in entry["unresolved"])
    # Named by reference, the group is known: the flow is there, and no longer a gap.
    _write(tmp_path, {"main.tf": LOAD_BALANCER + UNLINKED_ROOT.replace("[var.target_group_arn]",
                                                                       "[aws_lb_target_group.app.arn]")})
    assert [flow[0] for flow in _flows(tflint_sg, tmp_path)] == ["aws_autoscaling_group.app"]
    known = tflint_sg("--format", "json", str(tmp_path)).json()["inputs"][0]
    assert not any("its target group is not known" in note for note in known["unresolved"])


def test_container_ports_read_beside_an_image_not_known_until_apply(tflint_sg, tmp_path):
    """The container definitions' JSON waits for a new repository's URL, but their port mappings
    do not: the bridge-mode case decides as it does with a literal image."""
    from conftest import FIXTURES

    text = (FIXTURES / "ecs_bridge_dynamic_blocked" / "main.tf").read_text()
    assert 'image  = "nginx"' in text
    text = text.replace('image  = "nginx"', 'image  = "${aws_ecr_repository.app.repository_url}:latest"')
    (tmp_path / "main.tf").write_text(text + '\nresource "aws_ecr_repository" "app" {\n  name = "app"\n}\n')
    run = tflint_sg("--format", "json", str(tmp_path))
    assert [f["rule"] for f in run.json()["findings"]] == ["aws_ecs_service_dynamic_ports_blocked"]


def test_a_read_replica_listens_on_its_source_port(tflint_sg, tmp_path):
    _write(tmp_path, {"main.tf": '''
        variable "source_arn" { type = string }
        resource "aws_db_instance" "main" {
          engine         = "postgres"
          instance_class = "db.t3.micro"
        }
        resource "aws_db_instance" "replica" {
          instance_class      = "db.t3.micro"
          replicate_source_db = aws_db_instance.main.identifier
        }
        resource "aws_db_instance" "replica_of_replica" {
          instance_class      = "db.t3.micro"
          replicate_source_db = aws_db_instance.replica.arn
        }
        resource "aws_db_instance" "moved" {
          instance_class      = "db.t3.micro"
          replicate_source_db = aws_db_instance.main.identifier
          port                = 6432
        }
        resource "aws_db_instance" "elsewhere" {
          instance_class      = "db.t3.micro"
          replicate_source_db = var.source_arn
        }
    '''})
    graph = tflint_sg("graph", str(tmp_path)).json()["inputs"][0]
    ports = {e["address"]: e["port"] for e in graph["endpoints"]}
    assert ports == {"aws_db_instance.main": 5432, "aws_db_instance.replica": 5432,
                     "aws_db_instance.replica_of_replica": 5432, "aws_db_instance.moved": 6432,
                     "aws_db_instance.elsewhere": None}


# ECS on EC2 the classic way: the instances join the cluster through `ECS_CLUSTER=` in their
# user data (no capacity provider), and the container definitions come from the legacy
# `template_file` data source.
ECS_ON_EC2 = '''
    resource "aws_subnet" "private" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.0.1.0/24"
    }
    resource "aws_ecs_cluster" "this" { name = "app-cluster" }
    resource "aws_launch_configuration" "ecs" {
      image_id        = "ami-0123456789abcdef0"
      instance_type   = "t3.micro"
      security_groups = [aws_security_group.app.id]
      user_data       = "#!/bin/bash\\necho ECS_CLUSTER=${aws_ecs_cluster.this.name} >> /etc/ecs/ecs.config"
    }
    resource "aws_autoscaling_group" "ecs" {
      min_size             = 1
      max_size             = 2
      vpc_zone_identifier  = [aws_subnet.private.id]
      launch_configuration = aws_launch_configuration.ecs.name
    }
    resource "aws_autoscaling_group" "other" {
      min_size            = 1
      max_size            = 1
      vpc_zone_identifier = [aws_subnet.private.id]
      launch_template {
        id = aws_launch_template.other.id
      }
    }
    resource "aws_launch_template" "other" {
      image_id  = "ami-0123456789abcdef0"
      user_data = base64encode("#!/bin/bash\\necho ECS_CLUSTER=batch >> /etc/ecs/ecs.config")
    }
    data "template_file" "containers" {
      template = file("${path.module}/containers.json.tpl")
      vars     = { port = "80" }
    }
    resource "aws_ecs_task_definition" "app" {
      family                = "app"
      container_definitions = data.template_file.containers.rendered
    }
    resource "aws_ecs_service" "app" {
      name            = "app"
      cluster         = aws_ecs_cluster.this.id
      task_definition = aws_ecs_task_definition.app.arn
      launch_type     = "EC2"
      load_balancer {
        target_group_arn = aws_lb_target_group.app.arn
        container_name   = "app"
        container_port   = 80
      }
    }
'''

CONTAINERS = '[{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80, "hostPort": ${port}}]}]\n'


@pytest.mark.parametrize("port, status", [("80", "allowed"), ("8080", "blocked")])
def test_ecs_hosts_that_join_the_cluster_by_user_data(tflint_sg, tmp_path, port, status):
    _write(tmp_path, {"main.tf": LOAD_BALANCER + APP_GROUP.replace("PORT", port) + ECS_ON_EC2,
                      "containers.json.tpl": CONTAINERS})
    assert _flows(tflint_sg, tmp_path) == [("aws_autoscaling_group.ecs", 80, status)]


def test_a_launch_configuration_named_by_aws(tflint_sg, tmp_path):
    """`name = null` beside `name_prefix`: AWS names it, and the group still uses that one."""
    root = LOAD_BALANCER + APP_GROUP.replace("PORT", "80") + '''
    variable "use_name_prefix" { default = true }
    resource "aws_subnet" "private" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.0.1.0/24"
    }
    resource "aws_launch_configuration" "this" {
      name            = var.use_name_prefix ? null : "app"
      name_prefix     = var.use_name_prefix ? "app-" : null
      image_id        = "ami-0123456789abcdef0"
      instance_type   = "t3.micro"
      security_groups = [aws_security_group.app.id]
    }
    resource "aws_autoscaling_group" "app" {
      min_size             = 1
      max_size             = 2
      vpc_zone_identifier  = [aws_subnet.private.id]
      launch_configuration = aws_launch_configuration.this.name
      target_group_arns    = [aws_lb_target_group.app.arn]
    }
'''
    _write(tmp_path, {"main.tf": root})
    assert _flows(tflint_sg, tmp_path) == [("aws_autoscaling_group.app", 80, "allowed")]
