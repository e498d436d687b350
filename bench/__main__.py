"""`make bench`: run every benchmark in bench/ and print its figures."""

from bench import transitions

if __name__ == "__main__":
    transitions.main()
