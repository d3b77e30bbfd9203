locals {
  template_json = jsonencode(local.template)

  # Inputs that template_yaml replaces: with template_yaml, only these keys may be in the built template.
  default_template_keys = ["mode", "name", "effect", "description"]
  template_inputs_unused = (
    length(setsubtract(keys(local.template), local.default_template_keys)) == 0 && var.effect == "Allow"
  )
}

# Runs `policy_tf terraform-external` during plan (or during apply, when an input is only
# known then, e.g. the ARN of a bucket created in the same run).
data "external" "policy" {
  program     = concat(var.policy_tf_command, ["terraform-external"])
  working_dir = var.policy_tf_working_dir

  # Values must be strings. "" means "not set" to policy_tf.
  query = {
    template = var.template_yaml != null ? var.template_yaml : local.template_json
    minimize = var.minimize == null ? "" : tostring(var.minimize)
    fit      = var.fit == null ? "" : var.fit
  }

  lifecycle {
    precondition {
      condition     = var.template_yaml == null || local.template_inputs_unused
      error_message = "With template_yaml set, put everything in that template and leave the template inputs (read, write, list, tagging, permissions_management, wildcard_only_*, skip_resource_constraints, exclude_actions, sts_*, cross_service, named_actions, conditions, effect, include_dependent_actions) at their defaults."
    }

    postcondition {
      condition     = can(self.result.policy)
      error_message = "policy_tf terraform-external printed no \"policy\": check that policy_tf_command runs a policy_tf that has the terraform-external command."
    }
  }
}

locals {
  result = data.external.policy.result

  # One policy (a JSON object); with fit, always a JSON list of policies. A list of one is
  # unwrapped as text, so that its JSON stays byte for byte what policy_tf wrote; the
  # policies of a longer list are re-encoded by Terraform (keys sorted, same JSON).
  policy_text = local.result.policy
  policy_list = startswith(local.policy_text, "[") ? jsondecode(local.policy_text) : null
  policy_jsons = (
    local.policy_list == null ? [local.policy_text] : (
      length(local.policy_list) == 1
      ? [trimsuffix(trimprefix(local.policy_text, "["), "]")]
      : [for policy in local.policy_list : jsonencode(policy)]
    )
  )
  policy_count = length(local.policy_jsons)

  # policy_tf sends lists as text: sizes and Sids comma-separated, warnings one per line.
  sizes    = [for size in compact(split(",", try(local.result.size, ""))) : tonumber(size)]
  sids     = compact(split(",", try(local.result.sids, "")))
  warnings = compact(split("\n", try(local.result.warnings, "")))

  policy_name = coalesce(var.policy_name, var.name)
}

resource "aws_iam_policy" "this" {
  # Without fit, the count is known before policy_tf runs (even if its inputs are not).
  count = var.create_policy ? (var.fit == null ? 1 : local.policy_count) : 0

  # (Conditionals, not ||: the name stays known at plan time when policy_tf's answer is not.)
  name        = var.fit == null ? local.policy_name : (local.policy_count == 1 ? local.policy_name : "${local.policy_name}-${count.index + 1}")
  path        = var.policy_path
  description = var.policy_description != null ? var.policy_description : var.description
  policy      = local.policy_jsons[count.index]
  tags        = var.tags
}
