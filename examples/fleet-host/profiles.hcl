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

profile "python-app" {
  description = "Runtime of the Python service this fleet runs"

  package "python" { version = "3.12.4" }
  package "curl" { version = "~8.5" }
}

profile "rescue" {
  description = "Minimal tools that work when little else does"

  # vim and busybox both ship bin/vi. The rescue environment uses conflict_policy "priority":
  # the package declared first wins, so bin/vi is vim's and busybox provides the rest.
  package "vim" { version = "^9.0" }
  package "busybox" {}
}
