output "policy_arns" {
  description = "ARN of each policy, by template name."
  value       = module.policies.arns
}

output "role_arn" {
  description = "ARN of the worker's role."
  value       = aws_iam_role.worker.arn
}
