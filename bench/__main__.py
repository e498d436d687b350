"""`make bench`: run every benchmark in bench/ and print its figures."""

from bench import cdek_poll, intake, overdue_sweep, pages, transitions

if __name__ == "__main__":
    transitions.main()
    overdue_sweep.main([], skip_unless_postgresql=True)  # PostgreSQL only; else a note
    # 1,000 orders at the configured rate (20/s: under a minute); the full 10,000 by hand.
    cdek_poll.main(["--orders", "1000"])
    intake.main([], skip_unless_postgresql=True)  # gunicorn on PostgreSQL; else a note
    # 1M orders and 300k contacts, filled once (~2 min) and kept in test_<NAME>; else a note.
    pages.main([], skip_unless_postgresql=True)
