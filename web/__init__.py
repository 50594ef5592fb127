"""The server: an HTTP API and web pages over the same library the command line uses."""
