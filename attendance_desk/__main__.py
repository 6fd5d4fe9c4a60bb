from attendance_desk.cli import main

raise SystemExit(main())
