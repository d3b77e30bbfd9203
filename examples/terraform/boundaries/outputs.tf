output "boundary_arns" {
  description = "ARN of each boundary policy, by policy name."
  value       = module.boundaries.arns
}

output "role_permissions_boundary" {
  description = "The permissions boundary of the role."
  value       = aws_iam_role.app.permissions_boundary
}
