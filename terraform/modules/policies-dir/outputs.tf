output "arns" {
  description = "ARN of each IAM policy, by name (the file name without `.json`; `<name>-N` for split policies)."
  value       = { for name, policy in aws_iam_policy.this : name => policy.arn }
}

output "names" {
  description = "IAM name of each policy (with name_prefix), by name."
  value       = { for name, policy in aws_iam_policy.this : name => policy.name }
}

output "policy_ids" {
  description = "Policy ID of each IAM policy, by name."
  value       = { for name, policy in aws_iam_policy.this : name => policy.policy_id }
}

output "files" {
  description = "The policy files read, relative to policies_dir."
  value       = sort(tolist(local.files))
}
