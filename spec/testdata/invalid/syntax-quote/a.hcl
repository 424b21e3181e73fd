profile "a" {
  description = "unterminated # ERROR: Invalid multi-line string # ERROR: Unterminated template string
} # ERROR: Invalid multi-line string
profile "b" {} # ERROR: Invalid multi-line string
