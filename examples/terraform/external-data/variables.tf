variable "region" {
  description = "AWS region of the function, its table and its logs."
  type        = string
  default     = "eu-west-1"
}

variable "function_name" {
  description = "Name of the Lambda function the role is for (its log group is /aws/lambda/<name>)."
  type        = string
  default     = "invoice-importer"
}

variable "bucket_name" {
  description = "S3 bucket the function reads invoice files from (under incoming/)."
  type        = string
  default     = "acme-invoices-eu-west-1"
}

variable "table_name" {
  description = "DynamoDB table the function writes one item per invoice to."
  type        = string
  default     = "invoices"
}

variable "policy_tf_command" {
  description = "How to run policy_tf, e.g. [\"policy_tf\"] or [\".venv/bin/python\", \"-m\", \"policy_tf\"]."
  type        = list(string)
  default     = ["policy_tf"]
}
