"""Rubrics: tracks, versioned criteria and levels, their files, editing and publishing."""
