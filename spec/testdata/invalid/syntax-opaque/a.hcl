profile "p" {
  description = <<EOT
An unterminated heredoc swallows the rest of the file, which might declare anything.

profile "q" {}
}
# ERROR: Unterminated template string