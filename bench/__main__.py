"""`make bench`: run every benchmark in bench/ and print its figures."""

from bench import overdue_sweep, transitions

if __name__ == "__main__":
    transitions.main()
    overdue_sweep.main([], skip_unless_postgresql=True)  # PostgreSQL only; else a note
