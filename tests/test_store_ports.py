"""The port each kind of store listens on, read from its settings as AWS documents them, one
line per case: the data flow from the app tier has that port, or the store is an undecided
check that says why."""

import pytest

APP = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_security_group" "app" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "store" {
  vpc_id = aws_vpc.main.id
}

resource "aws_instance" "app" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.a.id
  vpc_security_group_ids = [aws_security_group.app.id]
}
"""

MSK = """
resource "aws_msk_cluster" "s" {
  cluster_name           = "s"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 1
  broker_node_group_info {
    instance_type   = "kafka.m5.large"
    client_subnets  = [aws_subnet.a.id]
    security_groups = [aws_security_group.store.id]
  }
  %s
}
"""

MQ = """
resource "aws_mq_broker" "s" {
  broker_name        = "s"
  engine_type        = "%s"
  engine_version     = "1"
  host_instance_type = "mq.m5.large"
  subnet_ids         = [aws_subnet.a.id]
  security_groups    = [aws_security_group.store.id]
}
"""

CASES = [
    # no client authentication, TLS in transit by default
    (MSK % "", 9094),
    (MSK % "client_authentication {\n sasl {\n iam = true\n }\n }", 9098),
    (MSK % "client_authentication {\n sasl {\n scram = true\n }\n }", 9096),
    (MSK % "client_authentication {\n tls {\n certificate_authority_arns = [\"arn:ca\"]\n }\n }", 9094),
    (MSK % "encryption_info {\n encryption_in_transit {\n client_broker = \"PLAINTEXT\"\n }\n }", 9092),
    (MSK % ("client_authentication {\n unauthenticated = true\n }\n"
            "encryption_info {\n encryption_in_transit {\n client_broker = \"PLAINTEXT\"\n }\n }"), 9092),
    (MSK % "client_authentication {\n sasl {\n iam = true\n scram = true\n }\n }",
     "it listens on 9096, 9098 (one per way of connecting), and which its clients use is not known"),
    (MSK % "encryption_info {\n encryption_in_transit {\n client_broker = \"TLS_PLAINTEXT\"\n }\n }",
     "it listens on 9092, 9094 (one per way of connecting), and which its clients use is not known"),
    (MSK % "client_authentication {\n sasl {\n iam = var.iam\n }\n }" + 'variable "iam" {}',
     "its authentication or encryption settings are not known"),
    # a dynamic sasl block over a collection not known here: SASL may be on or off
    (MSK % ('client_authentication {\n unauthenticated = true\n dynamic "sasl" {\n for_each = var.sasl\n'
            ' content {\n iam = true\n }\n }\n }') + 'variable "sasl" {}',
     "its authentication or encryption settings are not known"),
    ("""resource "aws_msk_serverless_cluster" "s" {
  cluster_name = "s"
  vpc_config {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = [aws_security_group.store.id]
  }
  client_authentication {
    sasl {
      iam {
        enabled = true
      }
    }
  }
}""", 9098),
    (MQ % "RabbitMQ", 5671),
    (MQ % "ActiveMQ", "it listens on 5671, 8883, 61614, 61617, 61619 (one per way of connecting), and which its "
                      "clients use is not known"),
]


@pytest.mark.parametrize("store, expected", CASES)
def test_store_port(store, expected, tflint_sg, tmp_path):
    (tmp_path / "main.tf").write_text(APP + store)
    run = tflint_sg("--format", "json", "--verbose", str(tmp_path))
    assert run.code in (0, 2), run.stderr
    (checked,) = run.json()["inputs"]
    ports = [flow["port"] for flow in checked["graph"]["flows"] if flow["kind"] == "data"]
    if isinstance(expected, int):
        assert ports == [expected]
    else:
        assert ports == []
        assert any(expected in line for line in checked["unresolved"]), checked["unresolved"]
