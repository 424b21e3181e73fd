# ERROR: Missing store block
profile "p" {}

environment "e" {
  profile = "p"
}
