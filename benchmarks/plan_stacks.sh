#!/usr/bin/env bash
# Plans N copies of benchmarks/stack with real Terraform and writes `terraform show -json`
# output, as Terraform prints it (one line). The generator's test compares its output with
# such a plan. Needs terraform and the provider mirror (see fixtures/offline_terraform.sh).
# Usage: benchmarks/plan_stacks.sh N OUT.json
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 N OUT.json" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$here/../fixtures/offline_terraform.sh"
cp -r "$here/stack" "$tf_work/stack"
cd "$tf_work/stack"
terraform init -input=false -no-color >/dev/null
terraform plan -input=false -refresh=false -no-color -var "stacks=$1" -out=tfplan >/dev/null
terraform show -json tfplan > "$out"
