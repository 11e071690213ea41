"""Work on inputs, with no command line in it: reading files and standard input in bounded
memory (`inputs`), the one ordered process pool (`processes`), and the pipe's run loop over line
batches (`pipe`). The command line and the Dask runner both use it.
"""
