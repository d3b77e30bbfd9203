output "runs_url" {
  description = "Where each run's plan, summary and journal go."
  value       = module.usage_review.runs_url
}

output "function_name" {
  description = "The review function."
  value       = module.usage_review.function_name
}
