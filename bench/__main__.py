"""`make bench`: run every benchmark in bench/ and print its figures."""

from bench import cdek_poll, intake, overdue_sweep, transitions

if __name__ == "__main__":
    transitions.main()
    overdue_sweep.main([], skip_unless_postgresql=True)  # PostgreSQL only; else a note
    # 1,000 orders at the configured rate (20/s: under a minute); the full 10,000 by hand.
    cdek_poll.main(["--orders", "1000"])
    intake.main([], skip_unless_postgresql=True)  # gunicorn on PostgreSQL; else a note
