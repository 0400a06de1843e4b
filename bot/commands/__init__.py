"""The command language every face shares: its words, how a line becomes a core call,
and how a result becomes a neutral reply that each face renders for its platform."""
