# The rest of the example in aws_data_store_port_mismatch.md.

resource "aws_vpc" "main" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_subnet" "app_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.80.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "app_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.80.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_db_subnet_group" "main" {
  subnet_ids = [aws_subnet.app_a.id, aws_subnet.app_b.id]
}

resource "aws_ecs_cluster" "main" {
  name = "billing"
}

resource "aws_ecs_task_definition" "api" {
  family                   = "billing-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name         = "api"
    image        = "billing-api:latest"
    essential    = true
    portMappings = [{ containerPort = 8080 }]
  }])
}
