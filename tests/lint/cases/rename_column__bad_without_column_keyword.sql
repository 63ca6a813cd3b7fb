SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE public.users RENAME name TO full_name;
