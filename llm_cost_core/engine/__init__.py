"""The engine: text to token ids. Scanners cut text into pieces, BPE merges them, and
`Encoding` ties the two together; nothing here knows about plugins, prices or the command line.
"""
