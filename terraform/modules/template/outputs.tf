output "yaml" {
  description = "The policy_tf template as YAML text (with a one-line comment header). Save it as `<templates dir>/<name>.yml` for `policy_tf write-policy-dir`, or pass it to `policy_tf write-policy`."
  value       = local.yaml
}

output "json" {
  description = "The same template as compact JSON text (policy_tf reads JSON templates too)."
  value       = local.json
}

output "template" {
  description = "The template as a Terraform object (empty keys left out)."
  value       = local.template
}

output "file_name" {
  description = "Suggested file name of the template: `<name>.yml`. `write-policy-dir` writes its policy to `<name>.json`."
  value       = "${var.name}.yml"
}

output "output_file" {
  description = "Path the YAML was written to (after apply), or null when output_file is not set."
  value       = var.output_file == null ? null : terraform_data.output_file[0].output.file
}
