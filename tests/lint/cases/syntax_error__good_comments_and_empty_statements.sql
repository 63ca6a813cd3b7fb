-- nothing but comments
/* and a /* nested */ block */
;;
SELECT 1;
