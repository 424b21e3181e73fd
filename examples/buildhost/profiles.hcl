profile "toolchain" {
  description = "The pinned compiler toolchain every build uses"

  package "gcc" { version = "13.2.0" } # exact
  package "make" { version = "~4.4" }
  package "bash" { version = "^5.2" }
}

profile "ci" {
  description = "Toolchain plus what CI jobs fetch and script with"

  package "gcc" { version = "~13.2" }
  package "make" {}
  package "bash" { version = "^5.2" }
  package "git" { version = "~2.45" }
  package "curl" { version = "^8.0.0" }
  package "python" { version = ">=3.11.0, <3.12.0" }
}

profile "legacy" {
  description = "The older release branch, built with the tools it shipped with"

  package "bash" { version = "5.1.16" } # with readline 8.1
  package "git" { version = "~2.43" }
  package "python" { version = "~3.11" }
  package "gcc" { version = "^13.0.0" }
  package "make" { version = ">=4.0.0" }
}
