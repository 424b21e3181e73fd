profile "development" {
  description = "Shell, editor, version control and build tools for day-to-day work"

  package "bash" { version = "^5.0.0" }  # newest 5.x: 5.2.21
  package "git" { version = ">=2.40.0" } # 2.45.1, pulling in zlib and curl
  package "vim" {}                       # any version: 9.1.0
  package "curl" { version = "~8.5" }    # 8.5.x only
  package "make" { version = "^4.4" }
}

profile "python" {
  description = "Python 3.12 and a shell for scripting"

  package "python" { version = "~3.12" }
  package "bash" { version = "^5.2.0" }
}
