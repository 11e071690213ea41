"""The engine: text to token ids. An `EncodingSpec` describes an encoding; scanners cut text into
pieces, BPE merges them, and `Encoding` ties the two together. Nothing here knows about plugins,
prices or the command line.
"""
