"""The throwaway PostgreSQL cluster (`pg_cluster`) and a school store on either engine are in
tests/engines.py, shared through tests/conftest.py: one cluster per session for every folder."""
