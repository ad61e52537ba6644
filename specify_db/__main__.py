"""``python -m specify_db``: the ``specify-db`` command."""

from specify_db.cli import main

if __name__ == "__main__":
    main()
