"""People and their access: accounts, roles, branches, login, second factor, mailbox links."""
