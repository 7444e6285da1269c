"""A finding can point at the exact text to edit: an attribute, a nested or dynamic block, the
inline rule of a security group; what is not written falls back to the nearest part that is.
Every expected position is read from the .tf text here, never from the tool."""

import json
import shutil
from ipaddress import ip_network
from pathlib import Path

import msgspec
import pytest

from conftest import FIXTURES
from tflint_sg.load import load
from tflint_sg.load.hcl import cache as parse_cache
from tflint_sg.load.hcl import parse as hcl_parse
from tflint_sg.locate import Location, Locator
from tflint_sg.model import EGRESS, INGRESS, Rule
from tflint_sg.modeling import build_model

STORY = FIXTURES / "story" / "main.tf"


# --- positions read from the text -----------------------------------------------------------

def _start(text: str, needle: str, after: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """Line and column (1-based, in code points) of the first `needle` at or after `after`."""
    lines = text.split("\n")
    for number in range(after[0], len(lines) + 1):
        line = lines[number - 1]
        column = line.find(needle, after[1] - 1 if number == after[0] else 0)
        if column >= 0:
            return number, column + 1
    raise AssertionError(f"{needle!r} not in the text")


def _block(uri: str, text: str, header: str, after: tuple[int, int] = (1, 1)) -> Location:
    """From the header's first character to just after its matching closing brace."""
    line, column = _start(text, header, after)
    lines = text.split("\n")
    depth, opened = 0, False
    for number in range(line, len(lines) + 1):
        row = lines[number - 1]
        for index in range(column - 1 if number == line else 0, len(row)):
            if row[index] == "{":
                depth, opened = depth + 1, True
            elif row[index] == "}":
                depth -= 1
                if opened and depth == 0:
                    return Location(uri, line, number, column, index + 2)
    raise AssertionError(header)


def _attribute(uri: str, text: str, start: str, after: tuple[int, int] = (1, 1)) -> Location:
    """A one-line attribute: from its name to the end of the text on its line."""
    line, column = _start(text, start, after)
    return Location(uri, line, line, column, len(text.split("\n")[line - 1].rstrip()) + 1)


# --- the story, from its source and from its plan beside the source -------------------------

@pytest.fixture(params=["fixtures/story", "fixtures/story/plan.json"], ids=["source", "plan+source"])
def story(request):
    config = load(request.param)
    return config, Locator(config)


def test_a_target_groups_port_and_its_health_check(story):
    _, locator = story
    text = STORY.read_text()
    uri = "fixtures/story/main.tf"
    group = _start(text, 'resource "aws_lb_target_group" "web"')
    assert locator.locate("aws_lb_target_group.web", "port") == _attribute(uri, text, "port     = 80", group)
    health_check = _block(uri, text, "health_check {", group)
    assert locator.locate("aws_lb_target_group.web", "health_check") == health_check
    assert locator.locate("aws_lb_target_group.web", "health_check.matcher") == _attribute(
        uri, text, 'matcher = "200"', group)
    # The health check's port is not written (it is the traffic port): its block is the place.
    assert locator.locate("aws_lb_target_group.web", "health_check.port") == health_check
    whole = _block(uri, text, 'resource "aws_lb_target_group" "web"')
    assert locator.locate("aws_lb_target_group.web", "stickiness.enabled") == whole
    assert locator.locate("aws_lb_target_group.web") == whole


def test_the_inline_rules_of_the_story_group(story):
    config, locator = story
    text = STORY.read_text()
    uri = "fixtures/story/main.tf"
    address = "aws_security_group.public"
    group = _start(text, 'resource "aws_security_group" "public"')
    rules = build_model(config).groups[address].rules
    ingress = next(rule for rule in rules if rule.direction == INGRESS)
    egress = next(rule for rule in rules if rule.direction == EGRESS)
    assert locator.locate(address, rule=ingress) == _block(uri, text, "ingress {", group)
    assert locator.locate(address, rule=egress) == _block(uri, text, "egress {", group)
    # An attribute path is then read inside the rule's block.
    assert locator.locate(address, "cidr_blocks", rule=egress) == _attribute(
        uri, text, "cidr_blocks", _start(text, "egress {", group))


def test_an_address_without_its_instance_keys_is_the_block_its_instances_share(story):
    _, locator = story
    text = STORY.read_text()
    uri = "fixtures/story/main.tf"
    web = _block(uri, text, 'resource "aws_instance" "web"')
    assert locator.locate("aws_instance.web") == locator.locate("aws_instance.web[1]") == web
    attachment = _block(uri, text, 'resource "aws_lb_target_group_attachment" "web"')
    # An attachment without `port` uses the target group's: the attachment is the place.
    assert locator.locate("aws_lb_target_group_attachment.web[1]", "port") == attachment


# --- nested and dynamic blocks, columns in code points ------------------------------------

NESTED = '''resource "aws_security_group" "app" {
  name = "app"
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port = ingress.value
      to_port   = ingress.value
      protocol  = "tcp"
    }
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "6"
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "all"
    cidr_blocks = ["192.168.0.0/16"]
  }
}

resource "aws_ecs_service" "svc" {
  name = "svc"
  dynamic "load_balancer" {
    for_each = var.balancers
    content {
      target_group_arn = load_balancer.value
      container_port   = 8080
    }
  }
}

resource "aws_lb_target_group" "tg" {
  name = "caf\u00e9"
  port = 8080
  health_check { /* caf\u00e9 */ port = "8081" }
}

variable "ports" {}
variable "balancers" {}
'''


@pytest.fixture
def nested(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(NESTED, encoding="utf-8")
    return Locator(load(str(tmp_path)))


def _rule(direction, protocol, from_port, to_port, cidrs=("10.0.0.0/8",), declared_by="aws_security_group.app"):
    return Rule("aws_security_group.app", direction, protocol, from_port, to_port,
                cidrs=tuple(ip_network(cidr) for cidr in cidrs), declared_by=declared_by)


def test_an_inline_rule_is_the_first_block_that_agrees_with_it(nested):
    text = NESTED
    address = "aws_security_group.app"
    ssh = _block("main.tf", text, "ingress {")
    https = _block("main.tf", text, "ingress {", (ssh.end_line, 1))
    everything = _block("main.tf", text, "ingress {", (https.end_line, 1))
    dynamic = _block("main.tf", text, 'dynamic "ingress"')
    assert nested.locate(address, rule=_rule(INGRESS, "tcp", 22, 22)) == ssh  # "6" is tcp
    assert nested.locate(address, rule=_rule(INGRESS, "tcp", 443, 443)) == https
    # "all" with ports 0-0 is every port, as the model reads it.
    assert nested.locate(address, rule=_rule(INGRESS, "all", 0, 65535, ("192.168.0.0/16",))) == everything
    # No written block agrees: a rule the dynamic block makes.
    assert nested.locate(address, rule=_rule(INGRESS, "tcp", 8080, 8080)) == dynamic
    assert nested.locate(address, rule=_rule(INGRESS, "tcp", 443, 443, ("172.16.0.0/12",))) == dynamic
    # No egress block at all: the group.
    group = _block("main.tf", text, 'resource "aws_security_group" "app"')
    assert nested.locate(address, rule=_rule(EGRESS, "all", 0, 65535)) == group
    # A standalone rule is located by its own address; a rule declared elsewhere changes nothing.
    assert nested.locate(address, rule=_rule(INGRESS, "tcp", 22, 22, declared_by="aws_security_group_rule.x")) == group


def test_a_dynamic_block_is_searched_through_its_content(nested):
    text = NESTED
    service = _start(text, 'resource "aws_ecs_service" "svc"')
    dynamic = _block("main.tf", text, 'dynamic "load_balancer"', service)
    assert nested.locate("aws_ecs_service.svc", "load_balancer") == dynamic
    assert nested.locate("aws_ecs_service.svc", "load_balancer.container_port") == _attribute(
        "main.tf", text, "container_port", service)
    assert nested.locate("aws_ecs_service.svc", "load_balancer.container_name") == dynamic


def test_columns_count_code_points(nested):
    text = NESTED
    group = _start(text, 'resource "aws_lb_target_group" "tg"')
    line, column = _start(text, "port = \"8081\"", group)
    # Before `port` on its line stand a comment and a two-byte character.
    assert text.split("\n")[line - 1].encode("utf-8").find(b"port") + 1 == column + 1
    assert nested.locate("aws_lb_target_group.tg", "health_check.port") == Location(
        "main.tf", line, line, column, column + len('port = "8081"'))
    assert nested.locate("aws_lb_target_group.tg", "health_check") == _block("main.tf", text, "health_check {", group)


def test_an_attribute_ending_in_a_heredoc_ends_at_its_marker(tmp_path):
    text = 'resource "aws_lb_target_group" "tg" {\n  name = <<EOT\nweb\nEOT\n  port = 80\n}\n'
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(text)
    locator = Locator(load(str(tmp_path)))
    assert locator.locate("aws_lb_target_group.tg", "name") == Location("main.tf", 2, 4, 3, 4)


def test_an_attribute_an_override_file_sets_is_not_given_a_line_of_the_other_file(tmp_path):
    text = 'resource "aws_lb_target_group" "tg" {\n  name = "tg"\n  port = 80\n}\n'
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(text)
    (tmp_path / "main_override.tf").write_text('resource "aws_lb_target_group" "tg" {\n  port = 8080\n}\n')
    locator = Locator(load(str(tmp_path)))
    assert locator.locate("aws_lb_target_group.tg", "port") == _block("main.tf", text, "resource")
    assert locator.locate("aws_lb_target_group.tg", "name") == _attribute("main.tf", text, "name")


# --- JSON syntax, modules, count and for_each ---------------------------------------------

def test_json_syntax_gives_the_line_it_can(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"aws_lb_target_group": {"tg": {
        "name": "tg", "port": 80, "health_check": {"path": "/"}}}}}, indent=2))
    locator = Locator(load(str(tmp_path)))
    # JSON holds no positions we read: line 1, and no columns rather than made-up ones.
    for path in ("", "port", "health_check.port"):
        assert locator.locate("aws_lb_target_group.tg", path) == Location("main.tf.json", 1, 1)


def test_inside_a_module_called_with_for_each():
    config = load("fixtures/count_for_each")
    locator = Locator(config)
    module_file = FIXTURES / "count_for_each" / "modules" / "service_sg" / "main.tf"
    text = module_file.read_text()
    uri = "fixtures/count_for_each/modules/service_sg/main.tf"
    address = 'module.sg["api"].aws_security_group.this'
    (ingress,) = [rule for rule in build_model(config).groups[address].rules if rule.direction == INGRESS]
    # Its ports are the module's input: written as var.port, they agree with any rule.
    assert locator.locate(address, rule=ingress) == _block(uri, text, "ingress {")
    assert locator.locate("module.sg.aws_security_group.this") == _block(uri, text, 'resource "aws_security_group"')
    root = (FIXTURES / "count_for_each" / "main.tf").read_text()
    attachment = _start(root, 'resource "aws_lb_target_group_attachment" "api"')
    assert locator.locate('aws_lb_target_group_attachment.api["green"]', "port") == _attribute(
        "fixtures/count_for_each/main.tf", root, "port ", attachment)


def test_an_installed_module_is_located_at_its_call_whatever_the_path(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "modules_three_levels", repo, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (repo / ".git").mkdir()
    for name in ("app", "compute", "asg"):
        shutil.move(str(repo / "modules" / name), repo / ".terraform" / "modules" / name)
    main = repo / "main.tf"
    text = main.read_text()
    call_start = _start(text, 'module "app"')
    source_line = next(line for line in text.split("\n")[call_start[0]:] if "source" in line)
    main.write_text(text.replace(source_line, '  source = "example-corp/app/aws"', 1))
    (repo / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "app", "Source": "registry.terraform.io/example-corp/app/aws", "Dir": ".terraform/modules/app"},
    ]}))
    config = load(str(repo))
    locator = Locator(config)
    inside = sorted(address for address in config.spans if address.startswith("module.app."))
    assert inside
    call = locator.call_site(inside[0])
    assert call.uri == "main.tf" and call.start_line == call_start[0]
    for address in inside:
        assert locator.locate(address, "name") == locator.locate(address, "a.b") == call


# --- the parse cache ----------------------------------------------------------------------

def test_an_entry_of_the_format_before_positions_is_never_read(tmp_path, monkeypatch):
    """A pack written by the format that kept only lines is ignored, even under this version's
    key: its blocks would have no columns to give."""
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(tmp_path / "cache"))
    story = tmp_path / "story"
    story.mkdir()
    (story / ".git").mkdir()
    shutil.copy(STORY, story / "main.tf")
    path = str(story / "main.tf")
    parse_cache.begin()
    entry = parse_cache.key(path, Path(path).read_bytes())
    old_format = 1
    # An old entry: a block as [tag, type, labels, file, start_line, end_line, attributes, blocks].
    old_block = ["Block", "resource", ["aws_instance", "old"], path, 1, 1, {}, []]
    data = msgspec.msgpack.encode((old_format, entry, [old_block]))
    index = msgspec.msgpack.encode([(entry, 0, len(data), parse_cache._digest(data))])
    packs = tmp_path / "cache" / "parse-packs"
    packs.mkdir(parents=True)
    magic = b"tfsg-pk" + bytes([old_format])
    old_pack = packs / "00000000000000000001-1-00000000.pack"
    old_pack.write_bytes(parse_cache._HEADER.pack(magic, len(index)) + index + data)
    assert parse_cache._open_pack(str(old_pack)) is None  # ignored as a whole
    assert parse_cache.decode(entry, data) is None
    monkeypatch.setattr(hcl_parse, "_parsed", {})
    parse_cache.begin()
    config = load(str(story))
    assert "aws_instance.old" not in config.spans
    assert Locator(config).locate("aws_instance.web") == _block("main.tf", STORY.read_text(),
                                                                'resource "aws_instance" "web"')
