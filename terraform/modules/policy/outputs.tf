output "policy_json" {
  description = "The policy document as compact JSON, ready for `aws_iam_policy.policy` or `aws_iam_role_policy.policy`; the same text as `policy_tf write-policy --fmt terraform`. When fit = \"managed\" splits the policy into several, this is null: use `policy_jsons`."
  value       = local.policy_count == 1 ? local.policy_jsons[0] : null
}

output "policy_jsons" {
  description = "Every policy document as JSON text: one, or several when fit = \"managed\" had to split the policy (those are re-encoded by Terraform: the same JSON, keys sorted)."
  value       = local.policy_jsons
}

output "policy_count" {
  description = "Number of policy documents: 1, or more when fit = \"managed\" split the policy."
  value       = local.policy_count
}

output "size" {
  description = "Size of the policy in characters without whitespace, as AWS counts it against its limits (with several policies, the largest)."
  value       = try(max(local.sizes...), null)
}

output "sizes" {
  description = "Size of each policy document in characters without whitespace, in the order of `policy_jsons`."
  value       = local.sizes
}

output "sids" {
  description = "Statement IDs of the policy, in order (of every policy, when split)."
  value       = local.sids
}

output "warnings" {
  description = "policy_tf's warnings about the template (e.g. an exclude-actions pattern that excluded nothing). Empty when there are none."
  value       = local.warnings
}

output "template_json" {
  description = "The template sent to policy_tf, as compact JSON (the text of template_yaml when that is set)."
  value       = var.template_yaml != null ? var.template_yaml : local.template_json
}

output "policy_arn" {
  description = "ARN of the IAM policy, when create_policy = true and there is one policy; otherwise null."
  value       = length(aws_iam_policy.this) == 1 ? aws_iam_policy.this[0].arn : null
}

output "policy_arns" {
  description = "ARNs of the IAM policies created (empty when create_policy = false)."
  value       = aws_iam_policy.this[*].arn
}

output "policy_names" {
  description = "Names of the IAM policies created (empty when create_policy = false)."
  value       = aws_iam_policy.this[*].name
}
