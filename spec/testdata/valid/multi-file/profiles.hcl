profile "shell" {
  package "bash" { version = "~5.2" }
  package "readline" {}
}

profile "base" {
  description = "What every host has"
  package "zlib" {}
  package "curl" { version = "^8.0.0" }
}
