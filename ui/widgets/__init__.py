"""The operator view's panels and the feedback view. Each widget only draws what it is given."""
