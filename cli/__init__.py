"""The ``relief`` command line: parse, call one library function, render."""
