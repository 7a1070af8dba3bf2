from landgis.cli import main

main()
