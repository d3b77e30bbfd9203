terraform {
  # terraform_data (used only when output_file is set) needs Terraform 1.4.
  required_version = ">= 1.4.0"

  # No providers: the template is built with Terraform's own functions.
}
