# After a string that runs past its line, what is quoted in a.hcl is guesswork: a.hcl might
# declare the store and profile "x".
environment "e" {
  profile = "x"
}
