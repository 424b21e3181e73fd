# Profiles every host shares. A change here reaches every host of the fleet on its next pass.

profile "base" {
  description = "What every host has"

  package "bash" { version = "^5.2" }
  package "curl" { version = "^8.0.0" }
  package "zlib" { version = "^1.3" }
}

profile "admin" {
  description = "Tools for people logged in to fix things"

  package "vim" { version = "^9.1" }
  package "git" { version = ">=2.45.0" }
  package "bash" { version = "^5.2" }
}
