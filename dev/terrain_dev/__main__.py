import sys

print("placeholder", sys.argv)
