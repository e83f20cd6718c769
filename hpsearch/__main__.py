from hpsearch.cli.app import app

app(prog_name="hpsearch")
