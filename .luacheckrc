std = "lua54"
max_line_length = 100
-- specs assert exact (long) messages
files["spec"] = { std = "+busted", max_line_length = 140 }
exclude_files = { "build" }
