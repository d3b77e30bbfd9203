locals {
  files = fileset(var.policies_dir, "*.json")

  # name => policy JSON text. A file is one policy (a JSON object), or a JSON list of
  # policies when write-policy-dir ran with --fit: those become <name>-1, <name>-2, ...
  policies = merge([
    for file_name in local.files : (
      startswith(trimspace(file("${var.policies_dir}/${file_name}")), "[")
      ? tomap({
        for index, policy in jsondecode(file("${var.policies_dir}/${file_name}")) :
        "${trimsuffix(file_name, ".json")}-${index + 1}" => jsonencode(policy)
      })
      : tomap({ (trimsuffix(file_name, ".json")) = file("${var.policies_dir}/${file_name}") })
    )
  ]...)
}

resource "aws_iam_policy" "this" {
  for_each = local.policies

  name        = "${var.name_prefix}${each.key}"
  path        = var.path
  description = var.description != null ? var.description : "Written by policy_tf from template ${each.key}"
  policy      = each.value
  tags        = var.tags
}
