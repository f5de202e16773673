"""zhreport: Chinese government reports → clean, comparable tables."""

__version__ = "0.1.0"
