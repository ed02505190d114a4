"""The reviewer pool: invitations by e-mail, reviewers' declared profiles, the pool's list."""
